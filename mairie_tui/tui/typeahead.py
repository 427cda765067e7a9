"""Keys typed ahead are never lost: one key at a time, to the widget that will have the focus.

Textual hands each key from the terminal to the widget focused *at the moment the
app reads it*, and reads the next one at once. In a real terminal an agent types
faster than screens open: keys typed while the sign-in runs went to the password
field; a burst in one write (password manager, badge reader) went, whole, to the
login field, because `tab` moves the focus only once it has bubbled back up to the
app, after the rest of the burst had been handed out; a `ctrl+s` right after a path
ran before the field had taken the last letters.

`TypeAheadApp` keeps the keys (and pastes) from the terminal in one queue and
releases the next only when

- the previous one has been handled all the way (by the widget that took it, or by
  the bindings it bubbled up to),
- the screen on top is mounted and has handled what it was sent (its focus is set),
- no service call that decides where the keys go is running (`hold_keys`: the
  sign-in, a screen loading its data, a validation — see screens/base.py).

When such a call fails, the keys typed after it are dropped (with a bell): they were
meant for a screen that did not open, and must not land in a password field.
`ctrl+q` is never held.
"""

from __future__ import annotations

from collections import deque
from time import monotonic
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.timer import Timer
from textual.worker import Worker, WorkerState

# Keys that act at once, whatever is queued or running.
NEVER_HELD = frozenset({"ctrl+q"})
# Polling while the screen on top is still mounting (the other waits end on an event).
POLL_SECONDS = 0.01
# A key whose handling never reports back (a widget stopped it without saying so):
# the queue goes on after this long rather than freeze the desk.
IN_FLIGHT_LIMIT_SECONDS = 1.0

Typed = events.Key | events.Paste


class TypeAheadApp(App[None]):
    """An App whose keys wait, in order, for the screen and the calls they are meant for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed: deque[Typed] = deque()
        self._in_flight: Typed | None = None
        self._in_flight_since = 0.0
        self._holding: set[Worker[Any]] = set()
        self._poll: Timer | None = None
        self._release_scheduled = False
        self._screen_marker = False

    # ------------------------------------------------------------ what service calls say

    def hold_keys(self, worker: Worker[Any]) -> None:
        """Keys typed from now on wait until `worker`'s result has been handled."""
        self._holding.add(worker)

    def release_keys(self, worker: Worker[Any], node: MessagePump | None = None) -> None:
        """`worker`'s result has been handled: the keys go on once what it posted is done."""
        if worker not in self._holding:
            return
        self._holding.discard(worker)
        if node is not None:
            # What the callback posted to its screen (a message, a push) goes first.
            node.call_later(self.call_later, self._pump)
        else:
            self.call_later(self._pump)

    def holds_keys_for(self, worker: Worker[Any]) -> bool:
        return worker in self._holding

    def drop_typed_keys(self, worker: Worker[Any] | None = None) -> None:
        """The call the keys were waiting for failed: they were meant for another screen."""
        if worker is not None:
            self._holding.discard(worker)
        if self._typed:
            self._typed.clear()
            self.bell()
        self.call_later(self._pump)

    @property
    def keys_waiting(self) -> int:
        """Keys typed and not yet handed to a widget (for tests)."""
        return len(self._typed)

    # ------------------------------------------------------------ the queue

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, (events.Key, events.Paste))
            and not event.is_forwarded
            and not getattr(event, "_typeahead_released", False)
            and not (isinstance(event, events.Key) and event.key in NEVER_HELD)
        ):
            self._typed.append(event)
            self._pump()
            return
        await super().on_event(event)

    def _holding_calls(self) -> bool:
        for worker in list(self._holding):
            if worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
                return True
            if _on_stack(self, worker.node):
                return True  # finished: its result is on its way to its screen
            # Finished, and its screen is gone: its result will never be handled.
            self._holding.discard(worker)
        return False

    def _keys_can_go(self) -> bool:
        if self._in_flight is not None:
            if monotonic() - self._in_flight_since < IN_FLIGHT_LIMIT_SECONDS:
                return False
            self._in_flight = None
        if self._holding_calls():
            return False
        try:
            screen = self.screen
        except Exception:  # no screen yet: the app is starting
            return False
        if not screen.is_mounted:
            return False
        if not screen._message_queue.empty():
            # Let the screen handle what it was sent (its focus, a message bubbling up).
            if not self._screen_marker:
                self._screen_marker = screen.call_later(self.call_later, self._screen_caught_up)
            return False
        return True

    def _screen_caught_up(self) -> None:
        self._screen_marker = False
        self._pump()

    def _pump(self) -> None:
        """Release the next key if everything it waits for is done; else look again soon."""
        if not self._typed or self._release_scheduled:
            return
        if self._keys_can_go():
            self._release_scheduled = True
            # Through the app's queue: focus changes asked for so far happen first.
            self.call_later(self._release_next)
        elif self._poll is None:
            # Also when a marker is on its way: the screen may close before it runs.
            self._poll = self.set_timer(POLL_SECONDS, self._poll_again)

    def _poll_again(self) -> None:
        self._poll = None
        self._pump()

    async def _release_next(self) -> None:
        self._release_scheduled = False
        if not self._typed:
            return
        if not self._keys_can_go():
            self._pump()
            return
        event = self._typed.popleft()
        event._typeahead_released = True  # type: ignore[union-attr]
        self._in_flight = event
        self._in_flight_since = monotonic()
        target: MessagePump = self.focused or self.screen
        await super().on_event(event)
        if not event.is_forwarded:
            self._key_done(event)  # a priority binding ran it: done
            return
        if not target.call_later(self._follow, event, target):
            self._key_done(event)

    def _follow(self, event: Typed, node: MessagePump) -> None:
        """Runs after `node` handled `event`: follow it up to the app, where bindings run."""
        parent = node._parent
        bubbles = event.bubble and node.is_parent_active and node.is_attached
        if event._stop_propagation or parent is None or not bubbles:
            self.call_later(self._key_done, event)
            return
        if not parent.call_later(self._follow, event, parent):
            self.call_later(self._key_done, event)

    def _key_done(self, event: Typed) -> None:
        if self._in_flight is event:
            self._in_flight = None
        self._pump()


def _on_stack(app: App[Any], node: object) -> bool:
    """Is `node` (a screen, or a widget on one) still on the screen stack?"""
    try:
        screen = getattr(node, "screen", node)
        return any(screen is candidate for candidate in app.screen_stack)
    except Exception:  # NoScreen: a widget no longer attached
        return False
