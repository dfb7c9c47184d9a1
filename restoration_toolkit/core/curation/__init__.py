"""Stage 01 dataset curation, the pure parts: temporal sync of scan and reference, shot
detection, usability and pair selection, the content check, pairs.yaml, the contact sheet,
keyframe references and the conform (OpenTimelineIO).

Running curation on a project (reading its sequences, writing pairs.yaml) is
``restoration_toolkit.stages.curation``. Never imports nuke, Qt or torch.
"""
