import Foundation

/// Memory for a large table probed at random: on 4 KB pages nearly every probe of a table of tens of
/// MB also misses the TLB, so a table of 2 MB or more is aligned to and asks for transparent huge
/// pages (a hint the kernel may ignore). Freed with `free`.
public enum HugePageMemory {
    public static func allocate(bytes: Int, for what: String) -> UnsafeMutableRawPointer {
        let hugePage = 1 << 21
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, bytes >= hugePage ? hugePage : 64, max(bytes, 1)) == 0, let memory else {
            fatalError("cannot allocate \(bytes) bytes for \(what)")
        }
        #if os(Linux)
        if bytes >= hugePage { _ = madvise(memory, bytes, MADV_HUGEPAGE) }
        #endif
        return memory
    }

    /// Zeroed memory straight from the kernel (an anonymous mapping, so no pass of `memset`: a page is
    /// zeroed when first touched, by the thread that touches it), aligned to and asking for huge pages
    /// from 2 MB on, as `allocate`. Freed with `deallocateZeroed(_:bytes:)`, not `free`.
    public static func allocateZeroed(bytes: Int, for what: String) -> UnsafeMutableRawPointer {
        let hugePage = 1 << 21
        let size = max(bytes, 1)
        #if os(Linux)
        if size >= hugePage {
            // Whole pages, so that the unmapped tail starts on a page boundary.
            let size = mappedSize(bytes)
            // Map a huge page more than asked, then unmap the unaligned head and the tail.
            let mapped = size + hugePage
            guard let raw = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                raw != MAP_FAILED
            else { fatalError("cannot map \(bytes) bytes for \(what)") }
            let address = UInt(bitPattern: raw)
            let aligned = (address + UInt(hugePage) - 1) & ~(UInt(hugePage) - 1)
            let head = Int(aligned - address)
            if head > 0 { munmap(raw, head) }
            let tail = mapped - head - size
            if tail > 0 { munmap(raw + head + size, tail) }
            let memory = raw + head
            _ = madvise(memory, size, MADV_HUGEPAGE)
            return memory
        }
        #endif
        guard let memory = calloc(1, size) else { fatalError("cannot allocate \(bytes) bytes for \(what)") }
        return memory
    }

    /// Frees what `allocateZeroed(bytes:for:)` returned for the same `bytes`.
    public static func deallocateZeroed(_ memory: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        if max(bytes, 1) >= 1 << 21 {
            munmap(memory, mappedSize(bytes))
            return
        }
        #endif
        free(memory)
    }

    /// `bytes` rounded up to whole 4 KB pages: what `allocateZeroed` maps from 2 MB on (a partial last
    /// huge page is left to small pages rather than zeroed whole).
    private static func mappedSize(_ bytes: Int) -> Int {
        let page = 1 << 12
        return (bytes + page - 1) / page * page
    }
}
