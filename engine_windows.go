package ovio

// openDriver opens the engine cfg asks for.
func openDriver(e *Engine, cfg *Config) (driver, error) {
	switch cfg.Kind {
	case "", "iocp":
		return openIOCP(e)
	case "io_uring":
		return nil, &OpError{Op: "open", Err: notSupported("the io_uring engine on Windows")}
	}
	// "blocking" joins here with the portable engine of blocking calls.
	return nil, &OpError{Op: "open", Err: argError("unknown engine kind " + cfg.Kind)}
}
