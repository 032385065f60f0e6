"""A registry of demo-data loaders, so `make run` fills every app without portal importing it."""

_loaders = []


def register_demo_loader(name, func):
    _loaders.append((name, func))


def demo_loaders():
    return list(_loaders)
