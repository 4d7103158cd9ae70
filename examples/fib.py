"""A small file to try grok-lsp on: `./dev try` asks for the loop body of `fib_table`."""


def fib_iterative(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def fib_table(n: int) -> list[int]:
    """The first n Fibonacci numbers."""
    table = []
    a, b = 0, 1
    for _ in range(n):
