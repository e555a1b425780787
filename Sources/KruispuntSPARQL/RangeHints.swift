import KruispuntRDF
import KruispuntStore

/// What a FILTER says about a variable's stored term that the dictionary's indexes on numbers and
/// instants can find: comparisons of the variable with a number or an instant, in conjuncts of
/// the filter. A hint is necessary, not sufficient (the filter still runs on every row it lets
/// through), so it can only narrow the rows a basic pattern reads, never change the answer.
struct RangeHint: Equatable {
    enum Field: String { case number = "num", instant = "ts" }

    let op: Expression.Comparison
    let field: Field
    /// The bound's value, as PostgreSQL reads it (numeric or timestamptz).
    let value: String

    /// The hints of a filter expression, by variable.
    static func hints(_ e: Expression) -> [String: [RangeHint]] {
        switch e {
        case .and(let a, let b):
            return hints(a).merging(hints(b), uniquingKeysWith: +)
        case .compare(let op, .variable(let v), .constant(let t)):
            return hint(op, t).map { [v: [$0]] } ?? [:]
        case .compare(let op, .constant(let t), .variable(let v)):
            return hint(op.flipped, t).map { [v: [$0]] } ?? [:]
        default:
            return [:]
        }
    }

    /// `?v op t` holds only where the stored value compares so (17.3: a number compares with
    /// numbers, an instant with instants; equality of a valid number is equality of values).
    private static func hint(_ op: Expression.Comparison, _ t: Term) -> RangeHint? {
        guard op != .ne, case .literal(let lexical, let datatype?, nil) = t else { return nil }
        if let n = TypedValue.number(lexical, datatype: datatype) { return RangeHint(op: op, field: .number, value: n) }
        if let i = TypedValue.instant(lexical, datatype: datatype) { return RangeHint(op: op, field: .instant, value: i) }
        return nil
    }
}

extension Expression.Comparison {
    /// The comparison with its operands swapped.
    var flipped: Self {
        switch self {
        case .lt: return .gt
        case .gt: return .lt
        case .le: return .ge
        case .ge: return .le
        case .eq, .ne: return self
        }
    }
}
