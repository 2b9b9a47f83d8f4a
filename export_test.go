package ovio

// ReadAtNowait and WriteAtNowait are ReadAt and WriteAt marked for a descriptor known not to be
// O_DIRECT, as File marks them.
func ReadAtNowait(h Handle, p []byte, off int64) Request {
	r := ReadAt(h, p, off)
	r.rw |= rwNowait
	return r
}

func WriteAtNowait(h Handle, p []byte, off int64) Request {
	r := WriteAt(h, p, off)
	r.rw |= rwNowait
	return r
}
