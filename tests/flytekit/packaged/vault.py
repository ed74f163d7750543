"""A task whose secret has no group, as an organization whose flytekit plugin answers
`secret_requires_group() -> False` packages it (flytekit itself refuses it with the built-in
plugin, so the module stands in for that organization's plugin first)."""
from flytekit.configuration.plugin import FlytekitPlugin

FlytekitPlugin.secret_requires_group = staticmethod(lambda: False)

from flytekit import Secret, task  # noqa: E402


@task(secret_requests=[Secret(key="token")])
def fetch(url: str) -> str:
    return url
