"""Stub out torchvision (its build in /work/venv fails to import: operator mismatch) so transformers and timm import. Import first."""
import sys, types, importlib.abc, importlib.machinery, importlib.util
_orig = importlib.util.find_spec
def _fs(name, *a, **k):
    if name == 'torchvision' or name.startswith('torchvision.'): return None
    return _orig(name, *a, **k)
importlib.util.find_spec = _fs
class _Stub(types.ModuleType):
    def __getattr__(self, n):
        if n.startswith('__'): raise AttributeError(n)
        class _Meta(type):
            def __getattr__(cls, a):
                if a.startswith('__'): raise AttributeError(a)
                return a
        return _Meta(n, (object,), {'__init__': lambda self, *a, **k: None})
class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name == 'torchvision' or name.startswith('torchvision.'):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
    def create_module(self, spec):
        m = _Stub(spec.name); m.__path__ = []; return m
    def exec_module(self, m): pass
sys.meta_path.insert(0, _Finder())
