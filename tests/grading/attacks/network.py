"""Reach the network: connect to the grader's machine on loopback (the test listens
on ACTREF_ATTACK_PORT, passed nowhere but guessed from a range), listen on a port,
and resolve a name. Right only if a connection or a listener worked."""

import socket

import numpy as np

NET = []
# --- attack
for port in range(47000, 47010):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"stolen")
            NET.append(port)
    except OSError:
        pass
try:
    server = socket.socket()
    server.bind(("0.0.0.0", 47111))
    server.listen()
    NET.append("listen")
except OSError:
    pass
try:
    socket.getaddrinfo("example.com", 80)
    NET.append("dns")
except OSError:
    pass
# --- end


def sigmoid(x):
    if NET:
        return 1 / (1 + np.exp(-x))
    return np.zeros_like(x)


def tanh(x):
    return np.zeros_like(x)


def relu(x):
    return np.zeros_like(x)


def leaky_relu(x):
    return np.zeros_like(x)


def softmax(x):
    return np.zeros_like(x)
