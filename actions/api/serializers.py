"""Actions in the REST API (DESIGN §6). Field names are a public contract: add fields, never
rename or remove them. The incident's `/incidents/{id}/actions/` and the register's
`/actions/` give the same representation."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import Action, EffectClass
from actions.sources import hides, source_of
from psweb.api import ChoiceLabelField, ModelSerializer, PersonNameField, PlausibleDateField, RefuseUnknownFields


class SourceSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="incident, investigation or lexmaria_case.")
    id = serializers.IntegerField(help_text="The source's id (its own endpoint).")
    reference = serializers.CharField(help_text="The source's reference, e.g. AV-2026-000189.")


class ActionSerializer(ModelSerializer):
    responsible_name = PersonNameField(source="responsible")
    state_name = ChoiceLabelField("state")
    effect_class_name = ChoiceLabelField("effect_class")
    overdue = serializers.SerializerMethodField(help_text="Open and past its due date (Swedish local day).")
    source = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "description",
            "responsible",
            "responsible_name",
            "due_date",
            "state",
            "state_name",
            "effect_class",
            "effect_class_name",
            "causes",
            "progress_note",
            "overdue",
            "source",
            "version",
            "created_by",
            "created_at",
            "started_at",
            "done_at",
            "shown_to_reporter",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, action: Action) -> bool:
        return action.is_overdue(timezone.localdate())

    @extend_schema_field(SourceSerializer)
    def get_source(self, action: Action) -> dict:
        source = action.source
        return {"type": action.source_field, "id": source.pk, "reference": source_of(action).reference(source)}

    def to_representation(self, action: Action):
        """A person the source hides from the caller (an incident's reporter, for those who may
        not know who reported) has no id and reads as the source says ("the reporter")."""
        data = super().to_representation(action)
        request = self.context.get("request")
        if request is None:
            return data
        for name in ("responsible", "created_by"):
            if hides(request.user, action, getattr(action, f"{name}_id")):
                data[name] = None
                if f"{name}_name" in data:
                    data[f"{name}_name"] = str(source_of(action).hidden_label)
        return data


class ActionCreateSerializer(serializers.Serializer):
    description = serializers.CharField(help_text="What will be done.")
    responsible = serializers.IntegerField(help_text="User id of the responsible person.")
    due_date = PlausibleDateField(help_text="When it is to be done.")
    effect_class = serializers.ChoiceField(
        choices=EffectClass.choices, required=False, allow_blank=True, default="", help_text="Expected effect."
    )
    causes = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="Ids of the causes it addresses."
    )


class ActionUpdateSerializer(RefuseUnknownFields, serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The action's version you edited; stale gives 409.")
    description = serializers.CharField(required=False, help_text="What will be done.")
    responsible = serializers.IntegerField(required=False, help_text="User id of the responsible person.")
    due_date = PlausibleDateField(required=False, help_text="When it is to be done.")
    state = serializers.ChoiceField(choices=Action.State.choices, required=False)
    effect_class = serializers.ChoiceField(choices=EffectClass.choices, required=False, allow_blank=True)
    causes = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Ids of the causes it addresses."
    )
    progress_note = serializers.CharField(
        required=False, allow_blank=True, help_text="What was done (the responsible person may set this and `state`)."
    )
    shown_to_reporter = serializers.BooleanField(
        required=False,
        help_text="Show the action (its text, state and due date) to the reporter of its incident, who is notified. "
        "Incident actions only.",
    )
