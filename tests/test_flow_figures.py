"""Figures of the flow-matching page, built from snapshots of a real (briefly trained) trainer."""

import numpy as np

from core.flow import FlowConfig, FlowTrainer
from core.targets2d import make_target
from dashboard.fig_flow import comparison_figure, flow_field_figure, flow_paths_figure, flow_samples_figure


def test_field_paths_and_samples_from_a_trainer_snapshot():
    trainer = FlowTrainer(FlowConfig(data="ring", eval_every=5, eval_samples=100, sample_steps=4))
    for _ in range(5):
        trainer.step()
    snap = trainer.snapshot()
    field = flow_field_figure(snap)
    assert [t.name for t in field.data] == ["data", "exact u_t", "learned v_θ"]  # learned drawn on top
    assert "t = 0.50" in field.layout.title.text
    paths = flow_paths_figure(snap, "Euler")
    assert "NFE 4" in paths.layout.title.text and [t.name for t in paths.data][-2:] == ["start", "end"]
    assert [t.name for t in flow_samples_figure(snap).data] == ["data", "generated", "modes"]


def test_field_without_exact_and_figures_before_any_measurement():
    target = make_target("moons")
    snap = FlowTrainer(FlowConfig(), target).snapshot()
    assert [t.name for t in flow_field_figure(snap).data] == ["data", "learned v_θ"]
    assert "first measurement" in flow_paths_figure(snap).layout.annotations[0].text
    assert [t.name for t in flow_samples_figure(snap).data] == ["data"]


def test_comparison_figure_one_line_per_model_and_a_prompt_when_empty():
    assert "Play" in comparison_figure({}).layout.annotations[0].text
    nfe = np.array([1.0, 2.0, 4.0])
    snap = {"nfe_list": nfe, "step": np.array(1000), "flow_energy": np.array([0.9, 0.3, 0.0]),
            "ddim_energy": np.array([0.95, 0.6, 0.3]), "flow_high_quality": np.array([0.0, 0.4, 0.9])}
    fig = comparison_figure(snap, "energy")
    assert [t.name for t in fig.data] == ["flow matching (Euler)", "diffusion (DDIM)"]
    assert fig.layout.xaxis.type == "log" and "step 1000" in fig.layout.title.text
    assert fig.data[0].y[-1] == 1e-3  # zero ("like the data") stays on the log axis
    hq = comparison_figure(snap, "high_quality")
    assert len(hq.data) == 1 and tuple(hq.layout.yaxis.range) == (0, 1.02)
