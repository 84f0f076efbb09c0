// kata-agent-check talks to a kata-agent (or kadapter-init) with Kata's own
// Go client: the ttrpc client and agent protocol package that the Kata
// runtime (containerd-shim-kata-v2) uses. It calls grpc.Health/Check and
// grpc.Health/Version and prints the answers.
//
//	kata-agent-check [-v] [-timeout SECONDS] ADDRESS
//	kata-agent-check [-v] -selftest
//
// ADDRESS is one of Kata's agent addresses: remote:///path/to/unix.sock,
// hvsock:///path/to/hybrid-vsock.sock:1024 (the "CONNECT <port>" handshake
// of Firecracker and Cloud Hypervisor), or vsock://CID:PORT.
//
// -selftest serves Kata's HealthService over ttrpc on a temporary unix socket
// and checks it through the same client, so the protocol packages are proven
// to build and interoperate without a guest.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/containerd/ttrpc"
	"github.com/kata-containers/kata-containers/src/runtime/virtcontainers/pkg/agent/protocols/client"
	pb "github.com/kata-containers/kata-containers/src/runtime/virtcontainers/pkg/agent/protocols/grpc"
	"github.com/sirupsen/logrus"
)

type health struct{}

func (health) Check(context.Context, *pb.CheckRequest) (*pb.HealthCheckResponse, error) {
	return &pb.HealthCheckResponse{Status: pb.HealthCheckResponse_SERVING}, nil
}

func (health) Version(context.Context, *pb.CheckRequest) (*pb.VersionCheckResponse, error) {
	return &pb.VersionCheckResponse{GrpcVersion: pb.APIVersion, AgentVersion: "kata-agent-check-selftest"}, nil
}

func check(addr string, timeout uint32) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeout+5)*time.Second)
	defer cancel()
	c, err := client.NewAgentClient(ctx, addr, timeout)
	if err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	defer c.Close()
	h, err := c.HealthClient.Check(ctx, &pb.CheckRequest{})
	if err != nil {
		return fmt.Errorf("grpc.Health/Check: %w", err)
	}
	v, err := c.HealthClient.Version(ctx, &pb.CheckRequest{})
	if err != nil {
		return fmt.Errorf("grpc.Health/Version: %w", err)
	}
	fmt.Printf("status=%s grpc_version=%s agent_version=%s\n", h.Status, v.GrpcVersion, v.AgentVersion)
	return nil
}

func selftest(timeout uint32) error {
	dir, err := os.MkdirTemp("", "kata-agent-check")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		return err
	}
	srv, err := ttrpc.NewServer()
	if err != nil {
		return err
	}
	pb.RegisterHealthService(srv, health{})
	go srv.Serve(context.Background(), l)
	defer srv.Close()
	return check("remote://"+sock, timeout)
}

func main() {
	timeout := flag.Uint("timeout", 5, "dial timeout in seconds")
	self := flag.Bool("selftest", false, "serve HealthService on a temporary socket and check it")
	verbose := flag.Bool("v", false, "log what Kata's client logs (its dialing)")
	flag.Parse()
	if !*verbose {
		logrus.SetLevel(logrus.WarnLevel)
	}
	var err error
	switch {
	case *self && flag.NArg() == 0:
		err = selftest(uint32(*timeout))
	case !*self && flag.NArg() == 1:
		err = check(flag.Arg(0), uint32(*timeout))
	default:
		fmt.Fprintln(os.Stderr, "usage: kata-agent-check [-v] [-timeout SECONDS] ADDRESS | -selftest")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kata-agent-check:", err)
		os.Exit(1)
	}
}
