import pytest

from app.domain.errors import DomainError, ValidationErrors


def test_domain_error_carries_field_message_rule():
    e = DomainError("身份证号", "身份证号校验位错误：450881199001011234", "ID03")
    assert isinstance(e, ValueError)
    assert (e.field, e.message, e.rule) == ("身份证号", "身份证号校验位错误：450881199001011234", "ID03")
    assert str(e) == e.message
    assert DomainError("姓名", "姓名不能为空").rule is None


def test_validation_errors_join_messages():
    errors = [DomainError("姓名", "姓名不能为空"), DomainError("联系电话", "联系电话格式不正确：123")]
    e = ValidationErrors(errors)
    assert isinstance(e, DomainError)
    assert e.errors == errors
    assert str(e) == "姓名不能为空；联系电话格式不正确：123"
    assert e.field == "姓名、联系电话"


def test_raise_if_any():
    ValidationErrors.raise_if_any([])
    one = DomainError("姓名", "姓名不能为空")
    with pytest.raises(DomainError) as info:
        ValidationErrors.raise_if_any([one])
    assert info.value is one
    with pytest.raises(ValidationErrors):
        ValidationErrors.raise_if_any([one, one])
