extension Double {
    /// The number as written in a sentence: 72, not 72.0; 0.5 as it is.
    var plainText: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
}
