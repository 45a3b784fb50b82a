import Foundation

extension ExtractedFacts {
  /// The JSON Schema (draft 2020-12) of `ExtractedFacts` as `jsonData()` writes it and
  /// `decode(_:)` reads it: what the LLM extractor shows the model and checks its reply
  /// against. Each fact is one of the `$defs` named by its `type`; optional fields are left
  /// out rather than set to null.
  public static let jsonSchema: String = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "title": "ExtractedFacts",
      "description": "The facts one loyalty-program page states, schema version 1.",
      "type": "object",
      "required": ["schema_version", "page_type", "facts"],
      "additionalProperties": false,
      "properties": {
        "schema_version": {"const": 1},
        "page_type": {
          "enum": ["earning_chart", "partner_page", "transfer_partners", "award_chart", "elite_tiers", "unknown"]
        },
        "facts": {
          "type": "array",
          "items": {
            "oneOf": [
              {"$ref": "#/$defs/earning_rate"},
              {"$ref": "#/$defs/revenue_rate"},
              {"$ref": "#/$defs/transfer_ratio"},
              {"$ref": "#/$defs/award_price"},
              {"$ref": "#/$defs/elite_tier"},
              {"$ref": "#/$defs/partner"}
            ]
          }
        }
      },
      "$defs": {
        "program": {
          "description": "A program id without the 'program:' prefix, e.g. 'ac-aeroplan'.",
          "type": "string",
          "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"
        },
        "airline": {
          "description": "A two-character IATA airline code, e.g. 'LH'.",
          "type": "string",
          "pattern": "^[A-Z0-9]{2}$"
        },
        "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "cabin": {"enum": ["economy", "premium-economy", "business", "first"]},
        "region": {
          "enum": [
            "north-america", "central-america", "caribbean", "south-america", "europe", "middle-east", "africa",
            "south-asia", "north-asia", "southeast-asia", "oceania"
          ]
        },
        "confidence": {
          "description": "How sure the extractor is that the page states the fact as given, 0 to 1.",
          "type": "number",
          "minimum": 0,
          "maximum": 1
        },
        "evidence": {"description": "The text the fact came from, as it appears.", "type": "string"},
        "earning_rate": {
          "description": "A distance-based earning rate: accrual_percent % of the flown distance for the fare classes of carrier.",
          "type": "object",
          "required": ["type", "program", "carrier", "fare_classes", "cabin", "accrual_percent", "carrier_match", "confidence"],
          "additionalProperties": false,
          "properties": {
            "type": {"const": "earning_rate"},
            "program": {"$ref": "#/$defs/program"},
            "carrier": {"$ref": "#/$defs/airline"},
            "fare_classes": {
              "description": "Booking codes, sorted; empty means every fare class of the carrier in the cabin.",
              "type": "array",
              "items": {"type": "string", "pattern": "^[A-Z]$"}
            },
            "cabin": {"$ref": "#/$defs/cabin"},
            "accrual_percent": {"type": "number", "minimum": 0, "maximum": 1000},
            "cabin_bonus_percent": {"type": "number", "minimum": 0, "maximum": 1000},
            "minimum_miles": {"type": "integer", "minimum": 0, "maximum": 100000},
            "carrier_match": {"enum": ["operating", "marketing"]},
            "effective_date": {"$ref": "#/$defs/date"},
            "confidence": {"$ref": "#/$defs/confidence"},
            "evidence": {"$ref": "#/$defs/evidence"}
          }
        },
        "revenue_rate": {
          "description": "A revenue-based earning rate: miles per currency unit by tier name; '' is the base member.",
          "type": "object",
          "required": ["type", "program", "carriers", "currency", "rates", "confidence"],
          "additionalProperties": false,
          "properties": {
            "type": {"const": "revenue_rate"},
            "program": {"$ref": "#/$defs/program"},
            "carriers": {"type": "array", "items": {"$ref": "#/$defs/airline"}},
            "currency": {"description": "ISO 4217, e.g. 'USD'.", "type": "string", "pattern": "^[A-Z]{3}$"},
            "rates": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
            "effective_date": {"$ref": "#/$defs/date"},
            "confidence": {"$ref": "#/$defs/confidence"},
            "evidence": {"$ref": "#/$defs/evidence"}
          }
        },
        "transfer_ratio": {
          "description": "from_points of from_program become to_points of to_program, in lowest terms; minimum is the least transfer and increment its step, in source points.",
          "type": "object",
          "required": ["type", "from_program", "to_program", "from_points", "to_points", "minimum", "increment", "confidence"],
          "additionalProperties": false,
          "properties": {
            "type": {"const": "transfer_ratio"},
            "from_program": {"$ref": "#/$defs/program"},
            "to_program": {"$ref": "#/$defs/program"},
            "from_points": {"type": "integer", "minimum": 1},
            "to_points": {"type": "integer", "minimum": 1},
            "minimum": {"type": "integer", "minimum": 1},
            "increment": {"type": "integer", "minimum": 1},
            "confidence": {"$ref": "#/$defs/confidence"},
            "evidence": {"$ref": "#/$defs/evidence"}
          }
        },
        "award_price": {
          "description": "One award price, one way, one passenger: region to region on a zone chart, a band of one-way miles flown on a distance chart.",
          "type": "object",
          "required": ["type", "program", "chart", "cabin", "points", "operated_by", "confidence"],
          "additionalProperties": false,
          "properties": {
            "type": {"const": "award_price"},
            "program": {"$ref": "#/$defs/program"},
            "chart": {"enum": ["zone", "distance"]},
            "origin_region": {"$ref": "#/$defs/region"},
            "destination_region": {"$ref": "#/$defs/region"},
            "min_distance": {"type": "integer", "minimum": 0, "maximum": 30000},
            "max_distance": {"type": "integer", "minimum": 0, "maximum": 30000},
            "cabin": {"$ref": "#/$defs/cabin"},
            "points": {"type": "integer", "minimum": 1},
            "operated_by": {"description": "Whose flights the price covers.", "enum": ["own", "partner", "any"]},
            "effective_date": {"$ref": "#/$defs/date"},
            "confidence": {"$ref": "#/$defs/confidence"},
            "evidence": {"$ref": "#/$defs/evidence"}
          }
        },
        "elite_tier": {
          "description": "An elite tier: rank 1 is the lowest; qualification is what a year of activity must reach, by metric name.",
          "type": "object",
          "required": ["type", "program", "name", "rank", "qualification", "confidence"],
          "additionalProperties": false,
          "properties": {
            "type": {"const": "elite_tier"},
            "program": {"$ref": "#/$defs/program"},
            "name": {"type": "string", "minLength": 1},
            "rank": {"type": "integer", "minimum": 1},
            "qualification": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
            "bonus_percent": {"type": "number", "minimum": 0, "maximum": 1000},
            "alliance_tier": {"type": "string"},
            "confidence": {"$ref": "#/$defs/confidence"},
            "evidence": {"$ref": "#/$defs/evidence"}
          }
        },
        "partner": {
          "description": "An airline whose flights earn and/or redeem in the program.",
          "type": "object",
          "required": ["type", "program", "airline", "earn", "redeem", "confidence"],
          "additionalProperties": false,
          "properties": {
            "type": {"const": "partner"},
            "program": {"$ref": "#/$defs/program"},
            "airline": {"$ref": "#/$defs/airline"},
            "earn": {"type": "boolean"},
            "redeem": {"type": "boolean"},
            "confidence": {"$ref": "#/$defs/confidence"},
            "evidence": {"$ref": "#/$defs/evidence"}
          }
        }
      }
    }
    """#
}
