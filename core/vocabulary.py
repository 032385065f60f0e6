"""Staff-edited lists (机构, 主题分类, 人大/政协, 街道, 统计指标 …): rows named by one unique field,
which fixtures and the seed use as the natural key, so a seed never overwrites staff edits."""

from django.db import models


class NaturalKeyManager(models.Manager):
    def get_by_natural_key(self, key):
        return self.get(**{self.model.natural_key_field: key})


class Vocabulary(models.Model):
    # The unique field that names a row in fixtures: "name", "code" or "slug".
    natural_key_field = "name"

    objects = NaturalKeyManager()

    class Meta:
        abstract = True

    def __str__(self):
        return str(getattr(self, self.natural_key_field))

    def natural_key(self):
        return (getattr(self, self.natural_key_field),)
