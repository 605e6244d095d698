package main

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"
)

// Vhod exports no traces. op (zitadel/oidc) opens an OpenTelemetry span in
// every step of a request through the global tracer, which without a provider
// builds a non-recording span of its own each time (a fifth of the
// allocations of a client_credentials token). The no-op provider makes those
// spans free; whoever adds tracing replaces it.
func init() { otel.SetTracerProvider(noop.NewTracerProvider()) }
