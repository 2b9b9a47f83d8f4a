//go:build unix && !linux

package ovio

import "runtime"

type reqSys struct {
	name string
	keep []any
}

func (s *reqSys) check(r *Request) error { return checkPath(r.path) }

func (s *reqSys) pin(p *runtime.Pinner) {
	for _, k := range s.keep {
		pinAny(p, k)
	}
}

type opSys struct{}

func (s *opSys) reset() {}

func openDriver(e *Engine, cfg *Config) (driver, error) {
	return nil, &OpError{Op: "open", Err: ErrNotSupported}
}
