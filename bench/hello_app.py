"""The reference: a hello-world Flask app served exactly like CrowdSpirit in the benchmark."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
