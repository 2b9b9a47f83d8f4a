//go:build unix && !linux

package ovio

// openDriver opens the engine cfg asks for: here, the blocking engine is the only one.
func openDriver(e *Engine, cfg *Config) (driver, error) {
	return openBlocking(e, cfg), nil
}
