#!/usr/bin/env bash
# Checks our proto/ against Kata's own .proto files: every message we define
# must exist in Kata's with every field of the same name, number, type and
# label, so that what Kata's shim encodes, kadapter-init decodes, and back.
# Also encodes a full CreateContainerRequest with both and compares bytes.
# Not in CI (it needs a kata-containers checkout):
#   git clone --depth 1 https://github.com/kata-containers/kata-containers /tmp/kata
#   tests/compat/kata-protos.sh /tmp/kata
set -euo pipefail
kata=${1:?usage: $0 KATA_CONTAINERS_CHECKOUT}/src/libs/protocols/protos
ours=$(cd "$(dirname "$0")/../../proto" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for side in kata ours; do
  dir=$kata; [[ $side == ours ]] && dir=$ours
  (cd "$dir" && protoc --include_imports --descriptor_set_out="$work/$side.desc" -I . agent.proto health.proto)
  protoc --decode=google.protobuf.FileDescriptorSet -I /usr/include google/protobuf/descriptor.proto \
    <"$work/$side.desc" >"$work/$side.txt"
done

python3 - "$work/kata.txt" "$work/ours.txt" <<'PY'
import re, sys

def fields_by_message(path):
    """{package.Message[.Nested]: {field: (number, type, label, type name)}} from protoc's text dump."""
    out, kinds, names, pkg, field = {}, [], [], "", None
    for line in open(path):
        t = line.strip()
        if t.endswith("{"):
            kind = t[:-1].strip()
            kinds.append(kind)
            if kind in ("message_type", "nested_type"):
                names.append(None)
            elif kind == "field":
                field = {}
            continue
        if t == "}":
            kind = kinds.pop()
            if kind in ("message_type", "nested_type"):
                names.pop()
            elif kind == "field":
                msg = ".".join([pkg] + names)
                out.setdefault(msg, {})[field["name"]] = (
                    field.get("number"), field.get("type"), field.get("label"),
                    field.get("type_name", "").split(".")[-1])
                field = None
            continue
        m = re.match(r'(\w+): "?([^"]*)"?$', t)
        if not m:
            continue
        key, value = m.groups()
        if key == "package" and kinds == ["file"]:
            pkg = value
        elif kinds and kinds[-1] == "field" and field is not None:
            field[key] = value
        elif kinds and kinds[-1] in ("message_type", "nested_type") and key == "name" and names[-1] is None:
            names[-1] = value
    return out

kata, ours = fields_by_message(sys.argv[1]), fields_by_message(sys.argv[2])
problems, fields = [], 0
for msg, fs in sorted(ours.items()):
    if msg not in kata:
        problems.append(f"{msg}: no such message in Kata's protos")
        continue
    for name, spec in fs.items():
        fields += 1
        if kata[msg].get(name) != spec:
            problems.append(f"{msg}.{name}: ours {spec}, Kata's {kata[msg].get(name)}")
print(f"{len(ours)} messages, {fields} fields: {len(problems)} differences from Kata's protos")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY

cat >"$work/request.txt" <<'TXT'
container_id: "web-1"
exec_id: "web-1"
storages { driver: "virtio-fs" source: "kataShared" fstype: "virtiofs" options: "nodev" mount_point: "/run/kata-containers/shared/containers" }
OCI {
  Version: "1.1.0"
  Process { User { UID: 0 GID: 0 AdditionalGids: 10 } Args: "sleep" Args: "3600" Env: "PATH=/bin" Cwd: "/" Capabilities { Bounding: "CAP_CHOWN" } Rlimits { Type: "RLIMIT_NOFILE" Hard: 1024 Soft: 1024 } NoNewPrivileges: true }
  Root { Path: "/run/kata-containers/shared/containers/web-1/rootfs" }
  Mounts { destination: "/proc" source: "proc" type: "proc" options: "nosuid" }
  Annotations { key: "io.katacontainers.kadapter.policy" value: "kind: KubeArmorPolicy" }
  Linux { Resources { Memory { Limit: 67108864 } CPU { Shares: 1024 Quota: 50000 Period: 100000 } Pids { Limit: 64 } } CgroupsPath: "/kubepods/pod1/web-1" Namespaces { Type: "pid" } MaskedPaths: "/proc/kcore" }
}
TXT
(cd "$kata" && protoc --encode=grpc.CreateContainerRequest -I . agent.proto) <"$work/request.txt" >"$work/kata.bin"
(cd "$ours" && protoc --encode=grpc.CreateContainerRequest -I . agent.proto) <"$work/request.txt" >"$work/ours.bin"
cmp -s "$work/kata.bin" "$work/ours.bin" && echo "CreateContainerRequest: the same $(stat -c %s "$work/ours.bin") bytes from both"
