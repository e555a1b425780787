/// The small-count rule: a count v is published only when v == 0 or v >= k. Below k the
/// observation is published as suppressed, without a result. k = 1 disables suppression.
public struct SmallCountPolicy: Sendable, Hashable {
    public let minimumCount: Int

    public init(minimumCount: Int = 10) { self.minimumCount = max(1, minimumCount) }

    /// Whether a count may be published as it is.
    public func allows(_ count: Int) -> Bool { count == 0 || count >= minimumCount }
}
