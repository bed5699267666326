"""The shape the code keeps, checked by walking it (issue 14): the school boundary, audit
and transactions in one place each, layers that import only downwards, typed responses."""

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the pupilhub package
APPS = (
    "accounts",
    "schools",
    "pupils",
    "documents",
    "safeguarding",
    "transition",
    "gateway",
    "reports",
    "messaging",
    "billing",
    "privacy",
    "sen",
    "api",
    "demo",
)


def modules(pattern: str) -> list[Path]:
    return sorted(p for p in ROOT.rglob(pattern) if "migrations" not in p.parts)


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module if node.level == 0 else "." * node.level + node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


# Views and handlers that read rows outside any school, each for a reason.
GLOBAL_QUERIES: dict[str, str] = {}


def test_views_and_api_handlers_never_query_models_directly():
    """Every read goes through an access layer that starts from the caller's school."""
    found = []
    for path in modules("views.py") + modules("api.py") + [ROOT / "documents/provision_map.py"]:
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager"):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if where.split(":")[0] + ":" + ast.unparse(node) not in GLOBAL_QUERIES:
                    found.append(f"{where} {ast.unparse(node)}")
    assert not found, "\n".join(found)


def test_core_imports_nothing_above_it():
    above = tuple(f"pupilhub.{app}" for app in APPS)
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules("*.py")
        if path.relative_to(ROOT).parts[0] == "core" and "tests" not in path.parts
        for name in imported(parsed(path))
        if name.startswith(above)
    ]
    assert not found, "\n".join(found)


def test_pages_never_import_from_the_api():
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules("*.py")
        if "tests" not in path.parts and path.name != "api.py" and path.parts[-2] != "api"
        for name in imported(parsed(path))
        if name.endswith(".api") or name == ".api" or ".api." in name
    ]
    assert not found, "\n".join(found)


WRITES = {"save", "create", "update", "delete", "bulk_create", "record", "on_commit", "send"}


def _writes(nodes: list[ast.stmt]) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in WRITES
        for stmt in nodes
        for n in ast.walk(stmt)
    )


def _atomic_block(stmt: ast.stmt) -> bool:
    """`with transaction.atomic():`, or a try whose body is only that (to map an
    IntegrityError to a domain error)."""
    if isinstance(stmt, ast.Try) and len(stmt.body) == 1:
        stmt = stmt.body[0]
    return isinstance(stmt, ast.With) and "atomic" in ast.unparse(stmt.items[0].context_expr)


def _is_atomic(fn: ast.FunctionDef) -> bool:
    """Decorated with transaction.atomic, or: checks that write nothing, one atomic block
    holding every write, then reads and the return."""
    if any("atomic" in ast.unparse(d) for d in fn.decorator_list):
        return True
    blocks = [i for i, s in enumerate(fn.body) if _atomic_block(s)]
    if len(blocks) != 1:
        return False
    before, after = fn.body[: blocks[0]], fn.body[blocks[0] + 1 :]
    return not _writes(before) and not _writes(after)


# Public functions of actions modules that are not one transaction, each for a reason.
NOT_ATOMIC: dict[str, str] = {
    "accounts/actions.py:request_password_reset": "throttle counts must stay recorded when it "
    "refuses; it writes nothing else (the mail is built by a task)",
    "accounts/actions.py:use_enrolment_link": "a wrong password must stay counted by the "
    "throttle; the link itself is claimed in one transaction (use_token)",
    "billing/actions.py:raise_due_invoices": "a job: each subscription is locked and invoiced "
    "in its own transaction, so one school's failure does not undo another's invoice",
    "transition/actions.py:do_approve": "the approval is one transaction; the copy after it "
    "is one transaction a pupil (transition/jobs.py) so a failure keeps what was copied",
    "documents/actions.py:do_upload_file": "file bytes go to storage (not transactional) "
    "before the row's transaction and are removed if it fails",
    "reports/actions.py:do_set_logo": "the new logo is stored before, and the old one "
    "removed after, the one transaction that records it",
}


def test_every_action_is_one_transaction():
    found = []
    for path in modules("actions.py") + modules("actions/*.py"):
        for node in parsed(path).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                name = f"{path.relative_to(ROOT)}:{node.name}"
                if not _is_atomic(node) and name not in NOT_ATOMIC:
                    found.append(name)
    assert not found, "not atomic:\n" + "\n".join(found)


def test_the_allow_lists_name_only_what_exists():
    for name in NOT_ATOMIC:
        module, fn = name.split(":")
        dotted = "pupilhub." + module.removesuffix(".py").replace("/", ".")
        assert hasattr(importlib.import_module(dotted), fn), name


# Answers built as plain dicts with no named schema: none are left (issue 32). A new untyped
# answer fails.
UNTYPED: set[str] = set()  # every 2xx JSON answer is typed: keep it so


def test_every_api_operation_declares_a_schema_for_each_success():
    from pupilhub.api.routes import api

    schema = api.get_openapi_schema()
    found = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                if not str(status).startswith("2") or str(status) == "204":
                    continue
                content = answer.get("content", {})
                typed = [
                    c
                    for c in content.values()
                    if c.get("schema", {}).get("$ref")
                    or c.get("schema", {}).get("format") == "binary"
                ]
                name = f"{method.upper()} {path} {status}"
                if not typed and name not in UNTYPED:
                    found.append(f"{name}: {content}")
                elif typed and name in UNTYPED:
                    found.append(f"{name} is typed now: take it off UNTYPED")
    assert not found, "\n".join(found)


def test_schema_names_are_unique():
    """Two classes with one name would share one entry in the document, so a generated
    client would send the wrong body (it once described POST /auth/token as `{token}`)."""
    import typing

    from pydantic import BaseModel

    from pupilhub.api.routes import api

    seen: dict[str, set[str]] = {}

    def walk(model: typing.Any, done: set[typing.Any]) -> None:
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or model in done:
            return
        done.add(model)
        seen.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
        for field in model.model_fields.values():
            stack = [field.annotation]
            while stack:
                kind = stack.pop()
                walk(kind, done)
                stack.extend(typing.get_args(kind))

    done: set[typing.Any] = set()
    for _prefix, router in api._routers:
        for operations in router.path_operations.values():
            for op in operations.operations:
                for model in op.models:
                    for field in model.model_fields.values():
                        walk(field.annotation, done)
                for answer in op.response_models.values():
                    if answer is not None:
                        for field in answer.model_fields.values():
                            walk(field.annotation, done)
    clashes = {name: where for name, where in seen.items() if len(where) > 1}
    assert not clashes, clashes
    assert len(seen) > 100  # the walk really reached the schemas


def test_path_ids_are_uuids_and_lists_declare_their_cursor():
    from pupilhub.api.routes import api

    schema = api.get_openapi_schema()
    loose, lists_without_cursor = [], []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                if param["in"] == "path" and param["schema"].get("format") != "uuid":
                    loose.append(f"{method} {path} {param['name']}")
            answer = op["responses"].get(200, op["responses"].get("200", {}))
            ref = answer.get("content", {}).get("application/json", {}).get("schema", {})
            name = ref.get("$ref", "").rsplit("/", 1)[-1]
            body = schema["components"]["schemas"].get(name, {})
            if method == "get" and {"items", "next"} <= set(body.get("properties", {})):
                names = {p["name"] for p in op.get("parameters", [])}
                if "cursor" not in names:
                    lists_without_cursor.append(f"{method} {path}")
    assert not loose, loose
    assert not lists_without_cursor, lists_without_cursor


# Where mail may be sent synchronously: tasks and the beat jobs they run. A request only
# queues mail after commit (accounts.tasks.later / send_plain), so a mail server that is
# down never turns a saved change into a 500.
MAIL_SENDERS = {"tasks.py", "transition/jobs.py", "privacy/purge.py", "messaging/dispatch.py"}


def test_no_request_sends_mail_synchronously():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in rel or "/migrations/" in rel or rel.startswith("demo/"):
            continue
        if path.name in MAIL_SENDERS or any(rel.endswith(s) for s in MAIL_SENDERS):
            continue
        if rel == "core/emails.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in ("send_now", "send_mail", "send_mass_mail", "send_messages"):
                    found.append(f"{rel}:{node.lineno} {name}")
    assert not found, found
