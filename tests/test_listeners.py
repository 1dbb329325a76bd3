"""Every listener is a plain function whose parameters Bolt can fill by name."""

import inspect

from slack_bolt import App

from bot.app import create_app

BOLT_ARGS = {
    "ack",
    "body",
    "client",
    "command",
    "context",
    "event",
    "action",
    "view",
    "message",
    "respond",
    "say",
    "logger",
    "payload",
    "request",
    "response",
    "next",
    "options",
    "shortcut",
}
OUR_CONTEXT_ARGS = {"services"}


def _listener_functions(app: App) -> list:
    functions = []
    for listener in app._listeners:  # Bolt keeps registered listeners here
        functions.append(listener.ack_function)
    return functions


def test_every_listener_asks_only_for_names_bolt_can_fill(settings, services) -> None:
    """No keyword-only params, no *args/**kwargs, no unknown names (Bolt would pass None)."""
    app = create_app(settings, services)
    functions = _listener_functions(app)
    # the commands; DMs, thread replies and other messages; the buttons, and the buttons that
    # open forms; the forms and the review's pages; App Home
    assert len(functions) == 9
    for function in functions:
        for name, parameter in inspect.signature(function).parameters.items():
            assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, (function, name)
            assert name in BOLT_ARGS | OUR_CONTEXT_ARGS, f"{function.__name__} asks for {name!r}"


def test_listener_names_say_what_they_handle(settings, services) -> None:
    """Listeners are named handle_<thing> (or say they only acknowledge)."""
    names = {function.__name__ for function in _listener_functions(create_app(settings, services))}
    assert all(name.startswith("handle_") or name == "ack_only" for name in names), names
    assert {"handle_command", "handle_button", "handle_message_event"} <= names
