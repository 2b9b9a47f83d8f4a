package main

import (
	"context"
	"errors"
)

func runCp(ctx context.Context, c *cli, args []string) error { return errors.New("not yet") }
