"""grok-lsp's benchmarks and soaks, each run from the checkout's root as `python -m bench.NAME`
(see the README's Benchmarks section); results in `bench/results/`."""
