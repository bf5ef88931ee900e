"""The fan-out reference: a bare Flask-SocketIO server relaying a message of a live post's size to a room."""

import time

from flask import Flask, request
from flask_socketio import SocketIO, join_room

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading")
PAYLOAD = "x" * 1500  # about the size of a rendered post partial


@socketio.on("connect")
def connect(auth=None):
    """Every reader joins the one room."""
    join_room("room")


@app.post("/relay")
def relay():
    """Broadcast one message to the room, stamped like a live post."""
    socketio.emit("post", {"id": int(request.form["n"]), "created": time.time(), "html": PAYLOAD}, to="room")
    return "", 204


@app.get("/ping")
def ping():
    """Readiness probe."""
    return "ok"
