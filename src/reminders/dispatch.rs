//! (the dispatcher: claim due outbox rows, render, send, mark)
