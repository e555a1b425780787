import CZlib
import Foundation

/// Reads lines from a file or standard input, gzip-compressed or not (zlib passes plain input
/// through unchanged), in large chunks without copying each line.
final class LineSource {
    private let file: gzFile
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity = 1 << 20
    private var start = 0
    private var end = 0
    private var eof = false

    /// Opens a path, or standard input for "-".
    init(path: String) throws {
        let handle: gzFile? = path == "-" ? gzdopen(dup(0), "rb") : gzopen(path, "rb")
        guard let handle else {
            throw IngestError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        file = handle
        gzbuffer(file, 1 << 18)
        storage = .allocate(capacity: capacity)
    }

    deinit {
        gzclose(file)
        storage.deallocate()
    }

    /// The next line without its newline (a final line without newline included); valid until
    /// the next call. nil at the end of the input.
    func next() throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            if let newline = memchr(storage + start, 10, end - start) {
                let at = newline.assumingMemoryBound(to: UInt8.self) - storage
                let line = UnsafeBufferPointer(start: storage + start, count: at - start)
                start = at + 1
                return line
            }
            if eof {
                guard end > start else { return nil }
                let line = UnsafeBufferPointer(start: storage + start, count: end - start)
                start = end
                return line
            }
            try fill()
        }
    }

    /// Moves the partial line to the front (growing the buffer for very long lines) and reads more.
    private func fill() throws {
        if start > 0 {
            memmove(storage, storage + start, end - start)
            end -= start
            start = 0
        }
        if end == capacity {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: storage, count: end)
            storage.deallocate()
            storage = bigger
            capacity *= 2
        }
        let n = gzread(file, storage + end, UInt32(min(capacity - end, 1 << 30)))
        if n < 0 {
            var code: Int32 = 0
            let message = String(cString: gzerror(file, &code))
            throw IngestError("cannot read the input: \(message) (a damaged or truncated gzip file?)")
        }
        if n == 0 {
            // zlib reports a stream cut short only through gzerror once the data runs out.
            var code: Int32 = 0
            let message = String(cString: gzerror(file, &code))
            if code == Z_BUF_ERROR || code == Z_DATA_ERROR {
                throw IngestError("the gzip input is truncated or damaged (\(message)); nothing of it was applied")
            }
            eof = true
        } else {
            end += Int(n)
        }
    }
}
