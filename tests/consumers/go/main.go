// A guest agent in Go, as someone outside this project writes one: the C
// API through cgo, found with pkg-config in the installed package, over
// libkadapter.so. It boots as the guest's init (boot.c), loads the
// programs, binds a cgroup, applies rule sets from policy YAML, and checks a
// denial and its KubeArmor alert.
package main

/*
#cgo pkg-config: kadapter
#include <stdlib.h>
#include <kadapter/kadapter.h>

// boot.c
void consumer_on_event(const struct kadapter_event* event, void* user);
void* consumer_handle(uintptr_t handle);
void consumer_power_off(int status);
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/cgo"
	"syscall"
	"unsafe"
)

const (
	secret = "/etc/consumer-secret"
	other  = "/etc/consumer-other"
	cgroup = "/sys/fs/cgroup/consumer-go"
)

var checks, failures int

func check(ok bool, what string) {
	checks++
	if !ok {
		failures++
		fmt.Printf("consumer-go: FAILED: %s (last error: %s)\n", what, C.GoString(C.kadapter_last_error()))
	}
}

func block(policy, path string) *C.kadapter_ruleset {
	yaml := fmt.Sprintf(`apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: %s
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  severity: 7
  tags: [consumer, go]
  message: no secrets here
  file:
    matchPaths:
      - path: %s
  action: Block
`, policy, path)
	text, container, labels := C.CString(yaml), C.CString("web"), C.CString("app=web")
	defer C.free(unsafe.Pointer(text))
	defer C.free(unsafe.Pointer(container))
	defer C.free(unsafe.Pointer(labels))
	var rules *C.kadapter_ruleset
	check(C.kadapter_ruleset_from_policy(text, container, labels, nil, &rules) == C.KADAPTER_OK, "policy "+policy)
	return rules
}

// openInContainer opens path in a child (this program again) that joins
// the bound cgroup; it returns the child's pid and errno (0: opened).
func openInContainer(path string) (int, syscall.Errno) {
	cmd := exec.Command("/proc/self/exe", "open-in-container", path)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return cmd.Process.Pid, syscall.Errno(exit.ExitCode())
	}
	check(err == nil, "running the child: "+fmt.Sprint(err))
	return cmd.Process.Pid, 0
}

func childOpen(path string) {
	if err := os.WriteFile(cgroup+"/cgroup.procs", []byte("0"), 0); err != nil {
		os.Exit(100)
	}
	f, err := os.Open(path)
	if err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			os.Exit(int(errno))
		}
		os.Exit(101)
	}
	f.Close()
	os.Exit(0)
}

// wanted is what the event handler looks for, and what it found.
type wanted struct {
	pid   uint32
	path  string
	meta  *C.struct_kadapter_container_meta
	alert string
}

//export consumerEvent
func consumerEvent(event *C.struct_kadapter_event, handle C.uintptr_t) {
	w := cgo.Handle(handle).Value().(*wanted)
	if w.alert != "" || uint32(event.pid) != w.pid || C.GoString(event.resource) != w.path {
		return
	}
	var alert *C.char
	if C.kadapter_event_render_kubearmor(event, w.meta, &alert) != C.KADAPTER_OK {
		check(false, "rendering the alert")
		return
	}
	w.alert = C.GoString(alert)
	C.free(unsafe.Pointer(alert))
}

func alertFor(e *C.kadapter_enforcer, meta *C.struct_kadapter_container_meta, pid int, path string) map[string]any {
	w := &wanted{pid: uint32(pid), path: path, meta: meta}
	h := cgo.NewHandle(w)
	defer h.Delete()
	check(C.kadapter_set_event_handler(e, C.kadapter_event_fn(C.consumer_on_event), C.consumer_handle(C.uintptr_t(h))) ==
		C.KADAPTER_OK, "set the event handler")
	for i := 0; i < 50 && w.alert == ""; i++ {
		C.kadapter_poll_events(e, 100)
	}
	check(C.kadapter_set_event_handler(e, nil, nil) == C.KADAPTER_OK, "remove the event handler")
	check(w.alert != "", "an alert for "+path)
	fmt.Printf("consumer-go: alert %s\n", w.alert)
	var fields map[string]any
	check(json.Unmarshal([]byte(w.alert), &fields) == nil, "the alert is JSON")
	return fields
}

func checkAlert(fields map[string]any, policy, path string) {
	want := map[string]any{
		"PolicyName":     policy,
		"Resource":       path,
		"Result":         "Permission denied",
		"Action":         "Block",
		"Operation":      "File",
		"Type":           "MatchedPolicy",
		"Severity":       "7",
		"Tags":           "consumer,go",
		"Message":        "no secrets here",
		"HostName":       "consumer-host",
		"NamespaceName":  "shop",
		"PodName":        "web-0",
		"Labels":         "app=web",
		"ContainerID":    "c0ffee",
		"ContainerName":  "web",
		"ContainerImage": "busybox:stable",
		"Enforcer":       "BPFLSM",
	}
	for key, value := range want {
		check(fields[key] == value, fmt.Sprintf("alert field %s: got %v, want %v", key, fields[key], value))
	}
	tags, _ := fields["ATags"].([]any)
	check(len(tags) == 2 && tags[0] == "consumer" && tags[1] == "go", fmt.Sprint("ATags: ", fields["ATags"]))
}

func run() {
	fmt.Printf("consumer-go: built against %s, running %s\n", C.KADAPTER_VERSION_STRING, C.GoString(C.kadapter_version()))
	check(C.GoString(C.kadapter_version()) == C.KADAPTER_VERSION_STRING, "the library's version is the headers'")
	check(os.WriteFile(secret, []byte("secret\n"), 0o644) == nil, "write "+secret)
	check(os.WriteFile(other, []byte("other\n"), 0o644) == nil, "write "+other)

	var e *C.kadapter_enforcer
	options := C.struct_kadapter_enforcer_options{max_alerts_per_sec: 0}
	options.size = C.size_t(unsafe.Sizeof(options))
	if C.kadapter_enforcer_open(&options, &e) != C.KADAPTER_OK {
		check(false, "kadapter_enforcer_open")
		return
	}
	defer C.kadapter_enforcer_close(e)

	strings := []*C.char{}
	cstring := func(s string) *C.char {
		c := C.CString(s)
		strings = append(strings, c)
		return c
	}
	defer func() {
		for _, c := range strings {
			C.free(unsafe.Pointer(c))
		}
	}()
	meta := C.struct_kadapter_container_meta{
		host_name:       cstring("consumer-host"),
		namespace_name:  cstring("shop"),
		pod_name:        cstring("web-0"),
		labels:          cstring("app=web"),
		container_id:    cstring("c0ffee"),
		container_name:  cstring("web"),
		container_image: cstring("busybox:stable"),
	}
	meta.size = C.size_t(unsafe.Sizeof(meta))

	check(os.Mkdir(cgroup, 0o755) == nil, "mkdir "+cgroup)
	var cgroupID C.uint64_t
	check(C.kadapter_cgroup_id(cstring(cgroup), &cgroupID) == C.KADAPTER_OK, "kadapter_cgroup_id")
	blockSecret, blockOther := block("consumer-block-secret", secret), block("consumer-block-other", other)
	defer C.kadapter_ruleset_free(blockSecret)
	defer C.kadapter_ruleset_free(blockOther)
	check(C.kadapter_ruleset_rule_count(blockSecret) == 1, "one rule")
	var id C.kadapter_container_id
	check(C.kadapter_bind_cgroup(e, cstring("web"), cgroupID, blockSecret, nil, &id) == C.KADAPTER_OK, "bind")

	pid, errno := openInContainer(secret)
	check(errno == syscall.EACCES, fmt.Sprintf("open %s in the container: %v, want EACCES", secret, errno))
	_, errno = openInContainer(other)
	check(errno == 0, fmt.Sprintf("open %s in the container: %v, want success", other, errno))
	checkAlert(alertFor(e, &meta, pid, secret), "consumer-block-secret", secret)

	// The swap: now the other file is blocked and the secret is not.
	check(C.kadapter_apply(e, id, blockOther, nil) == C.KADAPTER_OK, "apply")
	_, errno = openInContainer(secret)
	check(errno == 0, fmt.Sprintf("open %s after apply: %v, want success", secret, errno))
	pid, errno = openInContainer(other)
	check(errno == syscall.EACCES, fmt.Sprintf("open %s after apply: %v, want EACCES", other, errno))
	checkAlert(alertFor(e, &meta, pid, other), "consumer-block-other", other)

	check(C.kadapter_unbind(e, id) == C.KADAPTER_OK, "unbind")
	_, errno = openInContainer(other)
	check(errno == 0, fmt.Sprintf("open %s after unbind: %v, want success", other, errno))
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "open-in-container" {
		childOpen(os.Args[2])
	}
	run()
	fmt.Printf("consumer-go: %d checks, %d failed\n", checks, failures)
	status := 0
	if failures > 0 {
		status = 1
	}
	C.consumer_power_off(C.int(status))
}
