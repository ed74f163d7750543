"""Writes flyteidl-1.16.8.fds: the FileDescriptorSet of flyteidl's admin TaskSpec, WorkflowSpec and
LaunchPlan messages and every file they import, taken from the flyteidl package itself, for
`flyte-host register files` (host/src/packaged/decode.rs decodes pyflyte's files with it).

Regenerate (flytekit 1.16.31 brings flyteidl 1.16.8; `.ci/run` makes this virtualenv):
    target/flytekit-venv/bin/python host/protos/gen_descriptors.py > host/protos/flyteidl-1.16.8.fds
The tests (`register_files::`) run it and compare its output with the checked-in file.
"""
import sys

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from google.protobuf import descriptor_pb2

files, seen = [], set()


def visit(file):
    if file.name in seen:
        return
    for dependency in file.dependencies:
        visit(dependency)
    seen.add(file.name)
    files.append(file)


for module in (task_pb2, workflow_pb2, launch_plan_pb2):
    visit(module.DESCRIPTOR)
out = descriptor_pb2.FileDescriptorSet()
for file in files:
    file.CopyToProto(out.file.add())
sys.stdout.buffer.write(out.SerializeToString())
