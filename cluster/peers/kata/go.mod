// Kata's Go agent client (ttrpc and the agent protocol package of
// github.com/kata-containers/kata-containers/src/runtime) for our
// kata-agent-check, built by scripts/cluster-peers.sh.

module kadapter/cluster/peers/kata

go 1.26.0

require (
	github.com/containerd/ttrpc v1.2.7
	// Kata tags its releases without a leading "v", so the proxy serves the
	// runtime module only by pseudo-version; this is the one cri-o pins.
	github.com/kata-containers/kata-containers/src/runtime v0.0.0-20250828155603-754f07cff239
	github.com/sirupsen/logrus v1.9.3
)

require (
	github.com/containerd/log v0.1.0 // indirect
	github.com/go-logr/logr v1.4.2 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/mdlayher/socket v0.4.1 // indirect
	github.com/mdlayher/vsock v1.2.1 // indirect
	github.com/opencontainers/runtime-spec v1.2.0 // indirect
	go.opentelemetry.io/otel v1.23.1 // indirect
	go.opentelemetry.io/otel/metric v1.23.1 // indirect
	go.opentelemetry.io/otel/trace v1.23.1 // indirect
	golang.org/x/net v0.38.0 // indirect
	golang.org/x/sync v0.12.0 // indirect
	golang.org/x/sys v0.31.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20240401170217-c3f982113cda // indirect
	google.golang.org/grpc v1.62.0 // indirect
	google.golang.org/protobuf v1.35.2 // indirect
)
