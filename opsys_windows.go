package ovio

type opSys struct{}

func (s *opSys) reset() {}
