package ovio

import "runtime"

// reqSys is the part of a Request only Windows has.
type reqSys struct {
	name string
	keep []any
}

func (s *reqSys) check(r *Request) error { return nil }

func (s *reqSys) pin(p *runtime.Pinner) {
	for _, k := range s.keep {
		pinAny(p, k)
	}
}
