"""Names the dead-code check (vulture) cannot see used; each group says who uses them.

`make lint` and `make test` run ``vulture`` (settings in pyproject.toml) over
storyboard/ and this file. Add a name here only with the reason it is alive.
"""

from vulture.whitelist_utils import Whitelist

import storyboard
import storyboard._export
from storyboard import _errors as errors
from storyboard import _format as format
from storyboard import _images as images
from storyboard import _store as store
from storyboard import cli
from storyboard._providers import xai
from storyboard._scoring.native import Stack
from storyboard._scoring.records import ClipScore
from storyboard._studio import Studio
from storyboard.testing import xai_standin
from storyboard.testing.xai_standin import _process as process
from storyboard.testing.xai_standin import _server as server

unused_parameters = Whitelist()
"""Parameters that a caller's signature imposes; reading one here marks it used."""

# Typer: the options' values; ``version`` is read by its eager callback, not by the body.
cli.GraphFormat.mermaid
cli.GraphFormat.dot
cli.ExportFormat.fcpxml
cli.ExportFormat.edl
unused_parameters.version

# The format's keys: given by name when validating (storyboard._shape).
format.Story.storyboard
format.Story.characters
format.Story.wardrobe
format.Story.props

# Compared by the dataclass's generated __eq__, never read one by one.
images._Stamp.device
images._Stamp.inode
images._Stamp.ctime_ns

# httpx and http.server call these by name.
xai._BearerAuth.auth_flow
server._Handler.protocol_version
server._Handler.disable_nagle_algorithm
server._Handler.do_GET
server._Handler.do_POST
server._Handler.log_message
server._Handler.close_connection
server._Server.daemon_threads
server._Server.request_queue_size
server._Server.handle_error
unused_parameters.client_address
unused_parameters.traceback  # of __exit__
unused_parameters.exc_info  # of __exit__ and __aexit__

# storyboard.testing is offered to users' tests; ours use these, the package does not.
xai_standin.Counters.generations_accepted
xai_standin.Counters.images_accepted
xai_standin.XaiStandin.requests
process.StandinProcess.set_faults
process.StandinProcess.forget_files
server.XaiStandin.forget_files

# The exceptions are public (storyboard.ApiError): what callers may read of them.
errors.ApiError.retryable

# Work in flight elsewhere (the store): revisit when it lands.
store.Job.error_code
store.Store.dir
store.Store.count_jobs
store.Store.frame_of  # only tests use it since plan stopped extracting frames

# The Python API (docs/api.md): async callers await it.
Studio.abuild
# PEP 562: Python calls a package's __getattr__ and __dir__ for names imported on first use.
storyboard.__getattr__
storyboard.__dir__
storyboard._export.__getattr__

# Consistency scores: the tests read which models were loaded; the cache and `self`
# (issue 11, step 3) read stored scores.
Stack.model_paths
ClipScore.from_stored
