"""The emulator's HTTP app: xAI's `/v1` routes plus `/emulator/*` controls for tests.

Routes: `GET /v1/models`, `POST /v1/chat/completions`, `POST /v1/responses` (the Responses API,
see `responses.py`); `GET /emulator/stats`,
`GET|POST /emulator/config`, `POST|DELETE /emulator/oracle`, `GET|POST|DELETE
/emulator/faults`, `POST /emulator/reset`. Every answer says `"model": "grok-lsp-emulator"`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from functools import partial
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from grok_lsp.emulator import completer, faults, local_server, responses, shapes, wire
from grok_lsp.emulator.cache import PrefixCache
from grok_lsp.emulator.config import EmulatorConfig
from grok_lsp.emulator.faults import Fault, FaultQueue, error_response
from grok_lsp.emulator.stats import Stats
from grok_lsp.emulator.stream import Outcome, PacedResponse
from grok_lsp.emulator.tokens import prompt_tokens, tokenize

_CACHE_FIELDS = (
    "block_tokens",
    "cache_max_conversations",
    "cache_max_blocks_per_conversation",
    "anonymous_max_blocks",
)


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    emulator = _Emulator(config or EmulatorConfig())
    routes = [
        Route("/v1/models", emulator.models, methods=["GET"]),
        Route("/v1/chat/completions", emulator.chat, methods=["POST"]),
        Route("/v1/responses", emulator.responses, methods=["POST"]),
        Route("/emulator/stats", emulator.get_stats, methods=["GET"]),
        Route("/emulator/config", emulator.config_route, methods=["GET", "POST"]),
        Route("/emulator/oracle", emulator.oracle_route, methods=["POST", "DELETE"]),
        Route("/emulator/faults", emulator.faults_route, methods=["GET", "POST", "DELETE"]),
        Route("/emulator/reset", emulator.reset, methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})


async def _http_error(_request: Request, exc: Exception) -> Response:
    """Unknown routes and methods answer in xAI's flat error shape, not plain text."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(404, "The requested resource was not found.")
    return JSONResponse({"code": exc.detail, "error": exc.detail}, status_code=exc.status_code)


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, key = headers.get("authorization", "").partition(" ")
    return key.strip() or None if scheme.lower() == "bearer" else None


class _Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.cache = self._new_cache()
        self.faults = FaultQueue()
        self.stats = Stats()
        self.oracle: list[str] = []

    def _new_cache(self) -> PrefixCache:
        c = self.config
        return PrefixCache(
            c.block_tokens,
            c.cache_max_conversations,
            c.cache_max_blocks_per_conversation,
            c.anonymous_max_blocks,
        )

    async def models(self, _request: Request) -> Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "xai"} for m in wire.MODELS]
        return JSONResponse({"object": "list", "data": data})

    async def chat(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        conv_id = request.headers.get("x-grok-conv-id") or None
        self.stats.record_request(body, request.headers, conv_id)
        return self._counted(self._chat(body, request.headers, conv_id, "chat"))

    async def responses(self, request: Request) -> Response:
        """The Responses API: the cache is keyed by `prompt_cache_key`, not by the header."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        translated = responses.chat_request(body)
        conv_id = translated[1] if isinstance(translated, tuple) else None
        self.stats.record_request(body, request.headers, conv_id, "responses")
        if not isinstance(translated, tuple):
            return self._counted(translated)
        return self._counted(self._chat(translated[0], request.headers, conv_id, "responses"))

    def _counted(self, response: Response) -> Response:
        if response.status_code >= 400:
            self.stats.errors_by_status[response.status_code] += 1
        return response

    def _chat(
        self, body: Any, headers: Mapping[str, str], conv_id: str | None, api: wire.API
    ) -> Response:
        if not isinstance(body, dict):
            return error_response(400, "The request body must be a JSON object.")
        cfg = self.config
        key = _bearer(headers)
        model = body.get("model")
        messages = body.get("messages")
        if isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages):
            tokens = prompt_tokens(messages)
        else:
            messages = None
            tokens = []
        fault = self.faults.take()
        if fault is not None:
            self.stats.faults_served += 1
            failed = faults.fault_response(
                fault,
                key=key,
                model=str(model),
                prompt_tokens=len(tokens),
                max_prompt_tokens=cfg.max_prompt_tokens,
            )
            if failed is not None:
                return failed
        if cfg.require_api_key is not None and key != cfg.require_api_key:
            return faults.missing_key() if key is None else faults.bad_key(key)
        if not isinstance(model, str) or not model:
            return error_response(400, "A model must be given in the request body.")
        if model not in wire.MODELS:
            return faults.model_not_found(model)
        if messages is None:
            return error_response(400, "`messages` must be a non-empty list of objects.")
        if cfg.strict_roles and not local_server.roles_alternate(messages):
            return local_server.roles_refused()
        unsupported = wire.UNSUPPORTED_BY_CODE_MODELS if model in wire.CODE_MODELS else ()
        for name in (*unsupported, *cfg.refused_fields):
            if body.get(name) is not None:
                return error_response(400, f"Argument not supported on this model: {name}")
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            return error_response(400, "max_tokens must be a positive integer.")
        if len(tokens) > cfg.max_prompt_tokens:
            return faults.context_too_long(cfg.max_prompt_tokens, len(tokens))
        cached = self.cache.lookup_and_store(conv_id, tokens)
        return self._respond(body, tokens, cached, limit, fault, api)

    def _respond(
        self,
        body: dict[str, Any],
        tokens: list[str],
        cached: int,
        limit: int | None,
        fault: Fault | None,
        api: wire.API,
    ) -> Response:
        cfg = self.config
        answer = completer.answer(
            body["messages"],
            self.oracle,
            cfg.completion_max_lines,
            cfg.overshoot_lines,
            cfg.wrong_fixes,
        )
        shape = shapes.choose(
            answer.kind,
            cfg.realistic_seed,
            cfg.answer_shape,
            self.stats.requests,
            shapes.structured(body),
        )
        content = shapes.shaped(answer.content, shape, body["messages"])
        if fault is not None and fault.kind == "bad_json_content":
            content = faults.non_json_content(content)
        reasoning = completer.reasoning_tokens(cfg.reasoning_tokens)
        output = tokenize(content)
        budget = limit if limit is not None else len(reasoning) + len(output)
        kept_reasoning = reasoning[:budget]
        kept_output = output[: budget - len(kept_reasoning)]
        complete = len(kept_reasoning) == len(reasoning) and len(kept_output) == len(output)
        gen = wire.Generation(
            id=str(uuid.uuid4()),
            created=int(time.time()),
            reasoning=kept_reasoning,
            content=kept_output,
            finish_reason="stop" if complete else "length",
            usage=wire.usage(len(tokens), cached, len(kept_output), len(kept_reasoning)),
        )
        self.stats.prompt_tokens += len(tokens)
        self.stats.cached_tokens += cached
        first = cfg.first_token_delay(len(tokens) - cached)
        interval = cfg.token_interval()
        stream = body.get("stream") is True
        on_finish = partial(self._finish, self.stats, stream, gen, len(tokens), cached)
        if stream:
            options = body.get("stream_options")
            include_usage = isinstance(options, dict) and options.get("include_usage") is True
            self.stats.streams_in_flight += 1
            if api == "responses":
                steps, ending = responses.stream_steps(gen, first, interval, fault)
            else:
                steps, ending = wire.stream_steps(
                    gen,
                    first,
                    interval,
                    include_usage and cfg.send_usage,
                    fault,
                    cfg.ping_every_tokens,
                )
            return PacedResponse(steps, ending, media_type="text/event-stream", on_finish=on_finish)
        count = len(kept_reasoning) + len(kept_output)
        whole = responses.completion_steps if api == "responses" else wire.completion_steps
        steps, ending = whole(gen, first + interval * max(count - 1, 0), fault)
        return PacedResponse(steps, ending, media_type="application/json", on_finish=on_finish)

    @staticmethod
    def _finish(
        stats: Stats,
        stream: bool,
        gen: wire.Generation,
        prompt: int,
        cached: int,
        outcome: Outcome,
    ) -> None:
        if stream:
            stats.record_stream_end(outcome.end)
            content, reasoning = outcome.content_tokens, outcome.reasoning_tokens
        elif outcome.end == "completed":
            content, reasoning = len(gen.content), len(gen.reasoning)
        else:
            content = reasoning = 0
        stats.completion_tokens += content
        stats.reasoning_tokens += reasoning
        stats.cost_in_usd_ticks += wire.cost_ticks(prompt, cached, content + reasoning)

    async def get_stats(self, _request: Request) -> Response:
        snapshot = self.stats.snapshot()
        snapshot["cache"] = {
            "conversations": self.cache.conversation_count(),
            "blocks": self.cache.block_count(),
        }
        snapshot["faults_pending"] = len(self.faults.pending())
        return JSONResponse(snapshot)

    async def config_route(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                patch = await request.json()
                if not isinstance(patch, dict):
                    raise ValueError("the config patch must be a JSON object")
                new = self.config.updated(patch)
            except (ValueError, ValidationError) as exc:
                return error_response(400, f"Invalid emulator config: {exc}")
            changed = any(getattr(new, f) != getattr(self.config, f) for f in _CACHE_FIELDS)
            self.config = new
            if changed:
                self.cache = self._new_cache()
        return JSONResponse(self.config.public())

    async def oracle_route(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.oracle.clear()
        else:
            try:
                texts = (await request.json())["texts"]
            except (ValueError, KeyError, TypeError):
                texts = None
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                return error_response(400, 'Expected {"texts": ["...", ...]}.')
            self.oracle.extend(texts)
        return JSONResponse({"texts": len(self.oracle)})

    async def faults_route(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                self.faults.push(Fault.model_validate(await request.json()))
            except (ValueError, ValidationError) as exc:
                return error_response(400, f"Invalid fault: {exc}")
        pending = [f.model_dump(by_alias=True) for f in self.faults.pending()]
        return JSONResponse({"pending": pending})

    async def reset(self, _request: Request) -> Response:
        self.stats = Stats()
        self.cache = self._new_cache()
        self.faults.clear()
        self.oracle.clear()
        return JSONResponse({"reset": True})
