package ovio

import "golang.org/x/sys/windows"

func openDriver(e *Engine, cfg *Config) (driver, error) {
	return nil, &OpError{Op: "open", Err: ErrNotSupported}
}

func isCancelError(err error) bool { return err == windows.ERROR_OPERATION_ABORTED }
