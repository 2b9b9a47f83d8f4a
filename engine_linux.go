package ovio

// openDriver opens the engine cfg asks for.
func openDriver(e *Engine, cfg *Config) (driver, error) {
	switch cfg.Kind {
	case "", "io_uring":
		return openUring(e, cfg)
	case "blocking":
		return openBlocking(e, cfg), nil
	}
	return nil, &OpError{Op: "open", Err: argError("unknown engine kind " + cfg.Kind)}
}
