"""The facade every front end calls (Streamlit pages, the Gradio server, the CLI, tests, outside users).

This file only re-exports. The generic calls live in `engine.api.models`; each lab's page-facing calls in
`engine.api.<lab>`, which import the generic module (never this package). Training and evaluation come from
`engine.runs`, the timed page calls of `bench` from `engine.api.timing`.
"""

from engine.api.colorize import *  # noqa: F401, F403
from engine.api.digits import *  # noqa: F401, F403
from engine.api.digits_ae import *  # noqa: F401, F403
from engine.api.galaxies import *  # noqa: F401, F403
from engine.api.gans import *  # noqa: F401, F403
from engine.api.images import *  # noqa: F401, F403
from engine.api.letters import *  # noqa: F401, F403
from engine.api.masked import *  # noqa: F401, F403
from engine.api.models import *  # noqa: F401, F403
from engine.api.radio import *  # noqa: F401, F403
from engine.api.radio_calibration import *  # noqa: F401, F403
from engine.api.sparse import *  # noqa: F401, F403
from engine.api.timing import page_call_timings  # noqa: F401
from engine.api.warmup import *  # noqa: F401, F403
from engine.runs import EVAL_SEED, TrainPreview, evaluate, train, train_preview  # noqa: F401
