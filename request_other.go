//go:build unix && !linux

package ovio

import "runtime"

// reqSys is the part of a Request only some platforms have: here, nothing but the name errors
// give an opNative request, which no constructor makes here.
type reqSys struct {
	name string
}

func (s *reqSys) check(r *Request) error {
	if r.code == opOpenat {
		return checkPath(r.path)
	}
	return nil
}

func (s *reqSys) pin(p *runtime.Pinner) {}
