"""The whole API tested from its own OpenAPI document (Schemathesis): no 5xx, no answer outside the schema."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from crowdspirit.api import tokens
from crowdspirit.pipeline.models import Stage

#: what the issue asks of every answer: never a 5xx, always a documented status, content type and body shape
#: (not "positive_data_acceptance": a well-formed but made-up cursor or id is rightly refused with a 4xx)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


def test_the_api_honours_its_own_document(app, make_user, make_project, make_idea):
    """Generated calls to every operation, with a write token: no 5xx, every answer matches the document."""
    project = make_project(title="Schema lab")
    for stage in (Stage.IDEA, Stage.VOTE, Stage.SPEC):
        make_idea(project=project, title=f"Idea in {stage.value}", stage=stage)
    app.config.update(API_RATE_LIMIT="100000 per minute", POST_RATE_LIMIT="100000 per minute")
    headers = {"Authorization": f"Bearer {tokens.create_token(make_user(), 'schemathesis', True, 30)[1]}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def honours(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        honours()
