"""Snakemake entry point: saddle matrix, spanning tree and disconnectivity graph of one optimizer's pairs."""

from nnlandscape.io import save_npz
from nnlandscape.path_stats import load_pair, pair_graph
from nnlandscape.workflow import start

start(snakemake)
graph = pair_graph([load_pair(path) for path in snakemake.input.paths])
save_npz(snakemake.output.graph, **graph)
