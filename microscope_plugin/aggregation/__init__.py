"""Pattern aggregation (§4.4): causal relations -> ranked causal patterns.

    from microscope_plugin.aggregation import (
        AggregationParams, NFCatalog, RelationRecords, aggregate)
    result = aggregate(records, catalog, AggregationParams(threshold=0.01))
    print(result.render(top=20))

A pure numpy library (no database, HTTP or global configuration); the
definition it implements is in docs/aggregation.md.
"""
from microscope_plugin.aggregation.bugflows import (  # noqa: F401
    BUG_FLOWS, BugFlowReport, FlowAggregate, patterns_for_bug_flows)
from microscope_plugin.aggregation import report  # noqa: F401
from microscope_plugin.aggregation.hhh_types import TooManyClusters  # noqa: F401
from microscope_plugin.aggregation.params import AggregationParams  # noqa: F401
from microscope_plugin.aggregation.pattern_types import (  # noqa: F401
    AggregationResult, Pattern)
from microscope_plugin.aggregation.patterns import aggregate  # noqa: F401
from microscope_plugin.aggregation.records import (  # noqa: F401
    NFCatalog, RelationRecords)
from microscope_plugin.aggregation.summaries import (  # noqa: F401
    Matrix, TimeGapCDF, instance_matrix, nf_type_matrix, plot_time_gap_cdf,
    time_gaps)
