"""How a failure is reported in one line (batch tools, dataset checks)."""


def describe(err: BaseException) -> str:
    """One line naming an exception's type and message."""
    return f'{type(err).__name__}: {" ".join(str(err).split())}'
