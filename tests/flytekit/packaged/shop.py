"""A small flytekit workflow module that `register_files::` packages with the real `pyflyte package`:
three tasks (one with a grouped secret), a sub-workflow, a workflow and a launch plan."""
import typing

from flytekit import LaunchPlan, Secret, task, workflow


@task(secret_requests=[Secret(group="db", key="password")])
def price(item: str, count: int) -> float:
    return 2.5 * count


@task
def tax(amount: float) -> float:
    return amount * 1.2


@task
def receipt(item: str, total: float) -> str:
    return f"{item}: {total:.2f}"


@workflow
def with_tax(amount: float) -> float:
    return tax(amount=amount)


@workflow
def checkout(item: str = "apple", count: int = 3) -> typing.Tuple[float, str]:
    total = with_tax(amount=price(item=item, count=count))
    return total, receipt(item=item, total=total)


weekly = LaunchPlan.get_or_create(checkout, name="shop.weekly", default_inputs={"count": 7})
