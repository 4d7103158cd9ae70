"""A small file to try grok-lsp on: `./dev try` asks for the body of `fib`."""


def fib_iterative(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def fib_recursive(n: int) -> int:
    
