package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// probe GETs a health URL and fails unless it answers 200: the health check of
// container images that have no curl.
func probe(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: vhod probe URL")
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(args[0])
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", args[0], resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
