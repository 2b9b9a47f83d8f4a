package ovio_test

// oDirectory is os's O_DIRECTORY on Windows (internal/syscall/windows.O_DIRECTORY), which
// os.OpenFile passes on to syscall.Open: opening anything but a directory with it fails with
// ENOTDIR.
const oDirectory = 0x04000

// readDirOp is the Op of ReadDir's errors, as os names them here.
const readDirOp = "readdir"

// dirReadMovesOffset: listing a directory does not move its handle's offset.
const dirReadMovesOffset = false
