"""The Python side of the live check against skynet (see README.md, "Live check").

    python py_live_node.py 127.0.0.1:2528

Serves add, echo, upper (async), fail, sink (pushes) and sunk (what sink got), until
killed.
"""

import asyncio
import sys

import skywire

node = skywire.Node()
pushed = []


@node.register("add")
def add(a, b):
    return a + b


@node.register("echo", exact=True)
def echo(*args):
    return args


@node.register("upper")
async def upper(text):
    await asyncio.sleep(0.01)
    return text.upper(), len(text)


@node.register("fail")
def fail(why):
    raise ValueError(why.decode())


@node.register("sink", request=True)
def sink(req, *args):
    pushed.append([req.push, *args])


@node.register("sunk")
def sunk():
    return tuple(pushed)


print("listening on", node.listen(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:2528"), flush=True)
node.serve_forever()
