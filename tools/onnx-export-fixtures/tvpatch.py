# torchvision in /work/venv fails to import (operator mismatch): make transformers believe it is absent.
import transformers.utils.import_utils as iu
import transformers.utils as tu
f = lambda *a, **k: False
iu.is_torchvision_available = f
iu.is_torchvision_v2_available = f
tu.is_torchvision_available = f
tu.is_torchvision_v2_available = f
