"""What every screen shares: header and footer, help on f1, service calls in workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual._context import NoActiveAppError
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from mairie_tui.domain.safe_text import clean_control
from mairie_tui.tui.breakpoints import classes_for
from mairie_tui.tui.errors import french_message

if TYPE_CHECKING:
    from mairie_tui.tui.app import MairieApp

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[str, BaseException | None], None]


class ServiceCalls:
    """Run a service in a thread worker; its result or its French error comes back here.

    Every database call of the interface goes through `call_service`: the UI
    thread never waits on the database, a newer call of the same group
    replaces an older one (exclusive), and one handler turns failures into a
    French message shown where it concerns (`show_error`, or the `failed`
    callback given).

    Keys typed while the call runs wait for its result (`hold_keys`, see
    tui/typeahead.py): they reach the screen the result opens, in order; they
    are dropped if the call fails. A call made while typing (the live search)
    passes `hold_keys=False`.
    """

    _service_callbacks: dict[Worker[Any], tuple[Done, Failed | None]]

    def call_service(
        self,
        group: str,
        call: Callable[[], T],
        done: Callable[[T], None],
        *,
        failed: Failed | None = None,
        hold_keys: bool = True,
    ) -> Worker[T]:
        node = cast(Screen[Any], self)
        if not hasattr(self, "_service_callbacks"):
            self._service_callbacks = {}
        worker: Worker[T] = node.run_worker(
            call, name=group, group=group, thread=True, exclusive=True, exit_on_error=False
        )
        self._service_callbacks[worker] = (cast(Done, done), failed)
        hold = getattr(node.app, "hold_keys", None)
        if hold_keys and hold is not None:
            hold(worker)
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        callbacks = getattr(self, "_service_callbacks", {}).get(event.worker)
        if callbacks is None:
            return
        done, failed = callbacks
        node = cast(Screen[Any], self)
        app: Any = node.app
        if event.state is WorkerState.SUCCESS:
            del self._service_callbacks[event.worker]
            try:
                done(event.worker.result)
            finally:
                if hasattr(app, "release_keys"):
                    app.release_keys(event.worker, node)
        elif event.state is WorkerState.ERROR:
            del self._service_callbacks[event.worker]
            error = event.worker.error
            message = french_message(error)
            node.log.error(f"service {event.worker.name}: {error!r}")
            try:
                (failed or self.show_error)(message, error)
            finally:
                if hasattr(app, "drop_typed_keys") and app.holds_keys_for(event.worker):
                    app.drop_typed_keys(event.worker)
        elif event.state is WorkerState.CANCELLED:
            del self._service_callbacks[event.worker]
            if hasattr(app, "release_keys"):
                app.release_keys(event.worker, node)

    def show_error(self, message: str, error: BaseException | None = None) -> None:
        cast(Screen[Any], self).notify(message, title="Erreur", severity="error", timeout=8)

    # Errors belong to the screen that raised them: notifications are the app's, so an
    # error of Listes would otherwise show again on the search screen the agent goes back to.
    _raised_errors: list[tuple[str, str]]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        screen = cast(Screen[Any], self)
        Screen.notify(
            screen, message, title=title, severity=severity, timeout=timeout, markup=markup
        )
        if severity == "error":
            if not hasattr(self, "_raised_errors"):
                self._raised_errors = []
            self._raised_errors.append((clean_control(message), clean_control(title)))

    def on_unmount(self) -> None:
        """The screen is gone: so are its error messages still on display."""
        raised = set(getattr(self, "_raised_errors", ()))
        if not raised:
            return
        app = cast(Screen[Any], self).app
        # Textual has no public way to take back one notification (App._unnotify).
        for notification in list(app._notifications):
            if (notification.message, notification.title) in raised:
                app._unnotify(notification)

    @property
    def mairie(self) -> MairieApp:
        return cast("MairieApp", cast(Screen[Any], self).app)


def _with_breakpoints(screen: Screen[Any]) -> None:
    """Give a new screen its breakpoint classes before its widgets are styled: Textual adds them
    on the first Resize, which restyles the whole tree once more for nothing."""
    try:
        width, height = screen.app.size
    except NoActiveAppError:
        return
    screen.add_class(*classes_for(width, height), update=False)


class MairieScreen(ServiceCalls, Screen[None]):
    """A full screen of the application."""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name, id, classes)
        _with_breakpoints(self)

    TITLE_TEXT: ClassVar[str] = ""
    HELP: ClassVar[str] = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Aide", id="screen.help"),
    ]

    def action_help(self) -> None:
        self.mairie.show_help(self.TITLE_TEXT, self.HELP, self)


class MairieModal(ServiceCalls, ModalScreen[T]):
    """A modal dialog that may call services too."""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name, id, classes)
        _with_breakpoints(self)
