"""Rewrites serialized TaskSpec files (`*_1.pb`) with an empty container image, using flyteidl's own
classes: flytekit always sets an image, so this is how the tests get a task that names none."""
import sys

from flyteidl.admin import task_pb2

for path in sys.argv[1:]:
    spec = task_pb2.TaskSpec()
    with open(path, "rb") as f:
        spec.ParseFromString(f.read())
    spec.template.container.image = ""
    with open(path, "wb") as f:
        f.write(spec.SerializeToString())
