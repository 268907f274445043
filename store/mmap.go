package store

import (
	"math/bits"
	"runtime"
)

// initialMmapSize is the size bbolt maps the data file with from the
// start: 1 GB of address space on 64-bit systems other than Windows.
// Otherwise bbolt maps it again each time the file outgrows the mapping
// (at 32 KB, 64 KB, ... doubling), and before each new mapping copies
// every node the write transaction holds out of the old one: a
// 100,000-contact import made 0.24 GB of such copies. Pages of the
// mapping past the end of the file are never touched, so it costs no
// memory, and the file still grows only with its data (bbolt documents
// this: on Windows alone it truncates the file to the mapping's size,
// which is why Windows keeps the default there).
var initialMmapSize = func() int {
	if runtime.GOOS == "windows" || bits.UintSize < 64 {
		return 0
	}
	return 1 << 30
}()
